// The studio's light interactive layer: forms that call the REST API with the page's CSRF token,
// live job progress from server-sent events, the retention chart under the player, and seeking.
// Everything user-written is put on the page with textContent, never as HTML.
(function () {
  "use strict";
  const csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  async function api(method, url, body, raw) {
    const headers = { "X-CSRF-Token": csrf, Accept: "application/json" };
    let payload;
    if (raw) {
      headers["Content-Type"] = "application/octet-stream";
      payload = body;
    } else if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(url, { method, headers, body: payload, credentials: "same-origin" });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    if (!response.ok) {
      throw new Error((data && data.detail) || response.status + " " + response.statusText);
    }
    return data;
  }

  function say(form, text, ok) {
    const out = form.querySelector(".result");
    if (out) {
      out.textContent = text;
      out.className = "result " + (ok ? "ok" : "error");
    } else if (!ok) {
      window.alert(text);
    }
  }

  function convert(el) {
    const kind = el.dataset.type;
    const value = el.value;
    if (kind === "int") return value === "" ? null : parseInt(value, 10);
    if (kind === "float") return value === "" ? null : parseFloat(value);
    if (kind === "bool") return value === "true";
    if (kind === "ints") return value.split(",").map((v) => v.trim()).filter((v) => v).map((v) => parseInt(v, 10));
    return value;
  }

  // Field names with dots build nested objects; a numeric part makes an array ("variants.0.name").
  function serialize(form) {
    const out = {};
    for (const el of form.querySelectorAll("input[name], select[name], textarea[name]")) {
      if (el.name === "csrf_token" || el.type === "file") continue;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) continue;
      const path = el.name.split(".");
      let node = out;
      path.forEach((part, i) => {
        const last = i === path.length - 1;
        if (last) {
          node[part] = convert(el);
        } else {
          if (node[part] === undefined) node[part] = /^\d+$/.test(path[i + 1]) ? [] : {};
          node = node[part];
        }
      });
    }
    return out;
  }

  function editorBody(form) {
    const scenes = [];
    for (const scene of form.querySelectorAll("[data-scene]")) {
      const lines = [];
      for (const line of scene.querySelectorAll("[data-line]")) {
        lines.push({ text: line.querySelector("textarea").value, emotion: line.querySelector("select").value });
      }
      scenes.push({ id: scene.dataset.scene, lines: lines });
    }
    const note = form.querySelector('[name="note"]');
    return { base_version: parseInt(form.dataset.baseVersion, 10), scenes: scenes, note: note ? note.value : "" };
  }

  function planBody(form) {
    const body = { apply: [], reject: [] };
    for (const item of form.querySelectorAll("[data-op]")) {
      const chosen = item.querySelector('input[type="radio"]:checked');
      if (chosen && chosen.value) body[chosen.value].push(item.dataset.op);
    }
    return body;
  }

  function link(href, text) {
    const a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  async function submitEditor(form) {
    const data = await api(form.dataset.method || "PUT", form.dataset.api, editorBody(form));
    form.dataset.baseVersion = String(data.version);
    const out = form.querySelector(".result");
    out.className = "result ok";
    out.textContent = "Saved as v" + data.version + ". ";
    out.appendChild(link(form.dataset.episodeUrl + "?version=" + data.version, "See v" + data.version));
    out.appendChild(document.createTextNode(" · "));
    out.appendChild(link(form.dataset.episodeUrl + "/diff?old=" + (data.version - 1) + "&new=" + data.version, "Diff with v" + (data.version - 1)));
    for (const warning of data.warnings || []) {
      const p = document.createElement("span");
      p.className = "warn";
      p.textContent = " Note: " + warning;
      out.appendChild(p);
    }
  }

  async function submitUpload(form) {
    const input = form.querySelector('input[type="file"]');
    if (!input || !input.files.length) throw new Error("choose a file first");
    const file = input.files[0];
    const url = form.dataset.upload + "?filename=" + encodeURIComponent(file.name);
    return api("POST", url, file, true);
  }

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (!form.dataset.api && !form.dataset.upload) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    const buttons = form.querySelectorAll("button");
    buttons.forEach((b) => (b.disabled = true));
    say(form, "working…", true);
    try {
      let data;
      if (form.hasAttribute("data-editor")) {
        await submitEditor(form);
        return;
      } else if (form.dataset.upload) {
        data = await submitUpload(form);
      } else {
        const body = form.hasAttribute("data-plan") ? planBody(form) : serialize(form);
        data = await api(form.dataset.method || "POST", form.dataset.api, body);
      }
      const then = form.dataset.then || "reload";
      if (then === "secret" && data && data.secret) {
        say(form, "Copy this token now, it is not shown again: " + data.secret, true);
      } else if (then.startsWith("go:")) {
        window.location.assign(then.slice(3));
      } else {
        window.location.reload();
      }
    } catch (error) {
      say(form, error.message, false);
    } finally {
      buttons.forEach((b) => (b.disabled = false));
    }
  });

  // Scene order in the editor: the order of the fieldsets is the order saved.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".move-up, .move-down");
    if (!button) return;
    const scene = button.closest("[data-scene]");
    if (button.classList.contains("move-up") && scene.previousElementSibling && scene.previousElementSibling.matches("[data-scene]")) {
      scene.parentNode.insertBefore(scene, scene.previousElementSibling);
    } else if (button.classList.contains("move-down") && scene.nextElementSibling && scene.nextElementSibling.matches("[data-scene]")) {
      scene.parentNode.insertBefore(scene.nextElementSibling, scene);
    }
  });

  // ------------------------------------------------------------------------------ live jobs

  function outcome(job) {
    if (job.error) return job.error;
    if (!job.result) return "";
    if (job.kind === "render") {
      const b = job.result.built || {};
      const r = job.result.reused || {};
      const scenes = (b.scene || 0) + (r.scene || 0);
      const lines = (b.line || 0) + (r.line || 0);
      return "scenes rebuilt: " + (b.scene || 0) + " of " + scenes + "; lines voiced: " + (b.line || 0) + " of " + lines + "; " + job.result.seconds + " s";
    }
    if (job.result.accepted !== undefined) return job.result.accepted + " events stored";
    return "";
  }

  function showJob(job) {
    for (const row of document.querySelectorAll('[data-job-id="' + job.id + '"]')) {
      const was = row.querySelector(".job-state").textContent;
      row.className = "job " + job.state;
      row.querySelector(".job-state").textContent = job.state;
      row.querySelector(".job-progress").value = job.progress;
      row.querySelector(".job-message").textContent = job.message;
      const out = row.querySelector(".job-outcome");
      out.textContent = outcome(job);
      out.classList.toggle("error", Boolean(job.error));
      if (was !== job.state && ["done", "failed", "cancelled"].includes(job.state)) {
        document.body.dispatchEvent(new CustomEvent("job-finished", { detail: job }));
      }
    }
  }

  const live = document.querySelector("[data-live-jobs]");
  if (live && window.EventSource) {
    // From the moment the page was made: nothing that changed while it loaded is missed.
    const since = live.dataset.since ? "?since=" + encodeURIComponent(live.dataset.since) : "";
    const source = new EventSource("/api/jobs/events" + since);
    source.addEventListener("job", (event) => showJob(JSON.parse(event.data)));
  }

  // --------------------------------------------------------------- player, chart and seeking

  const video = document.getElementById("player");

  function seek(seconds) {
    if (!video || !isFinite(seconds)) return;
    video.currentTime = Math.max(0, seconds);
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".seek");
    if (button) seek(parseFloat(button.dataset.t));
  });

  const holder = document.getElementById("retention");
  const source = document.getElementById("retention-data");
  if (holder && source && window.uPlot) {
    const d = JSON.parse(source.textContent);
    const bands = ["rgba(120,120,120,0.08)", "rgba(120,120,120,0.16)"];
    const drawScenes = (u) => {
      const ctx = u.ctx;
      const top = u.bbox.top;
      const height = u.bbox.height;
      ctx.save();
      d.scenes.forEach((s, i) => {
        const x0 = u.valToPos(s.start_s, "x", true);
        const x1 = u.valToPos(s.end_s, "x", true);
        ctx.fillStyle = s.hot ? "rgba(220,80,60,0.18)" : bands[i % 2];
        ctx.fillRect(x0, top, x1 - x0, height);
        ctx.fillStyle = "#555";
        ctx.font = 11 * devicePixelRatio + "px system-ui, sans-serif";
        ctx.fillText(s.index + ". " + s.beat.replace(/_/g, " "), x0 + 4 * devicePixelRatio, top + 14 * devicePixelRatio);
      });
      ctx.restore();
    };
    const drawPlayhead = (u) => {
      if (!video) return;
      const x = u.valToPos(video.currentTime || 0, "x", true);
      const ctx = u.ctx;
      ctx.save();
      ctx.strokeStyle = "#c53030";
      ctx.lineWidth = 2 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, u.bbox.top);
      ctx.lineTo(x, u.bbox.top + u.bbox.height);
      ctx.stroke();
      ctx.restore();
    };
    const opts = {
      width: Math.max(320, holder.clientWidth || 640),
      height: 240,
      scales: { x: { time: false, range: [0, d.duration] }, y: { range: [0, 1] } },
      axes: [
        { label: "seconds" },
        { values: (u, values) => values.map((v) => Math.round(v * 100) + "%") },
      ],
      series: [
        {},
        { label: "still watching", stroke: "#2b6cb0", width: 2 },
        { label: "95% low", stroke: "#9fb3c8", dash: [4, 4] },
        { label: "95% high", stroke: "#9fb3c8", dash: [4, 4] },
      ],
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      hooks: { drawClear: [drawScenes], draw: [drawPlayhead] },
    };
    const chart = new window.uPlot(opts, [d.seconds, d.share, d.low, d.high], holder);
    holder.uplot = chart;
    chart.over.addEventListener("click", (event) => {
      // From the click itself: uPlot moves its cursor on the next frame, which may not have come yet.
      const left = event.clientX - chart.over.getBoundingClientRect().left;
      const t = chart.posToVal(left, "x");
      if (t >= 0) seek(Math.min(t, d.duration));
    });
    if (video) video.addEventListener("timeupdate", () => chart.redraw(false));
    window.addEventListener("resize", () => chart.setSize({ width: Math.max(320, holder.clientWidth), height: 240 }));
  }
})();
