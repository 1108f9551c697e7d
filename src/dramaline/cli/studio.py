"""`dramaline studio [DIR]`: the studio web app; `dramaline studio users|tokens …`: its accounts from the shell."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperGroup

from dramaline.cli.common import console
from dramaline.errors import InvalidInputError

if TYPE_CHECKING:
    from dramaline.studio.users import Users

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class _ServeByDefault(TyperGroup):
    """`dramaline studio DIR --port 8000` means `dramaline studio serve DIR --port 8000`."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:  # typer's own click Context
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["serve", *args]
        return super().parse_args(ctx, args)


studio_app = typer.Typer(
    cls=_ServeByDefault,
    help="The studio web app over a folder of series: pages, REST API (/api/docs), jobs, sign-in.",
    no_args_is_help=False,
)
users_app = typer.Typer(help="Studio users: add, list, change role or password, disable.")
tokens_app = typer.Typer(help="API tokens for scripts and event ingestion.")
studio_app.add_typer(users_app, name="users")
studio_app.add_typer(tokens_app, name="tokens")
StudioDir = Annotated[Path, typer.Option("--studio", help="The studio folder.")]


def register(app: typer.Typer) -> None:
    app.add_typer(studio_app, name="studio")


@studio_app.command("serve")
def serve_command(
    folder: Annotated[Path, typer.Argument(help="A studio: a folder of series folders (or one series).")] = Path("."),
    host: Annotated[
        str, typer.Option(help="Interface to listen on; off localhost, sign-in is required.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    require_sign_in: Annotated[
        bool, typer.Option("--require-sign-in", help="Require sign-in even on localhost with no users.")
    ] = False,
) -> None:
    """Serve the studio: open http://HOST:PORT/ in a browser."""
    import uvicorn

    from dramaline.studio.app import create_app
    from dramaline.studio.context import StudioConfig
    from dramaline.studio.db import Database
    from dramaline.studio.paths import StudioFolder
    from dramaline.studio.users import Users

    local = host in LOCAL_HOSTS
    studio = StudioFolder(folder)
    users = Users(Database(studio.state_dir / "studio.db")).count()
    if not local and users == 0:
        raise InvalidInputError(
            f"--host {host} opens the studio to the network, where everyone must sign in, but it has no users yet; "
            f"add one first: dramaline studio users add NAME --role admin --studio {folder}"
        )
    trusted = [*LOCAL_HOSTS, "[::1]"] if local else None
    app = create_app(folder, StudioConfig(local=local, require_sign_in=require_sign_in), trusted_hosts=trusted)
    mode = "sign-in required" if (users or require_sign_in or not local) else "local mode: no sign-in (localhost only)"
    console.print(f"[bold green]studio[/] {studio.root} at http://{host}:{port}/ ({mode}); API docs at /api/docs")
    uvicorn.run(app, host=host, port=port, timeout_graceful_shutdown=5, log_level="warning")


def _users(studio: Path) -> Users:
    from dramaline.studio.db import Database
    from dramaline.studio.paths import StudioFolder
    from dramaline.studio.users import Users

    return Users(Database(StudioFolder(studio).state_dir / "studio.db"))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


def _audit(studio: Path, action: str, target: str, detail: str = "") -> None:
    from dramaline.studio.audit import AuditLog
    from dramaline.studio.db import Database
    from dramaline.studio.paths import StudioFolder

    AuditLog(Database(StudioFolder(studio).state_dir / "studio.db")).record("cli", action, target, detail)


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="The user's sign-in name.", show_default=False)],
    role: Annotated[str, typer.Option(help="viewer, writer, producer or admin.")] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    studio: StudioDir = Path("."),
) -> None:
    """Add a user (the password is asked for, or read from stdin)."""
    from dramaline.studio.users import person_role

    checked = person_role(role)
    user = _users(studio).add(name, checked, _password(password_stdin))
    _audit(studio, "user-add", f"user:{user.name}", f"role {user.role.value}")
    console.print(f"[bold green]added[/] {user.name} ({user.role.value})")


@users_app.command("list")
def users_list(studio: StudioDir = Path(".")) -> None:
    """List the users and their roles."""
    found = _users(studio).all()
    if not found:
        console.print("no users: the studio runs in local mode (localhost only, no sign-in)")
    for user in found:
        console.print(f"{user.name}  {user.role.value}{'  (disabled)' if user.disabled else ''}")


@users_app.command("set")
def users_set(
    name: Annotated[str, typer.Argument(help="The user to change.", show_default=False)],
    role: Annotated[str | None, typer.Option(help="A new role.")] = None,
    password: Annotated[bool, typer.Option("--password", help="Set a new password (asked for).")] = False,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the new password from stdin.")] = False,
    disable: Annotated[bool | None, typer.Option("--disable/--enable", help="Stop or restore their access.")] = None,
    studio: StudioDir = Path("."),
) -> None:
    """Change a user's role, password or access."""
    from dramaline.studio.users import person_role

    new_password = _password(password_stdin) if (password or password_stdin) else None
    user = _users(studio).update(
        name, role=person_role(role) if role else None, password=new_password, disabled=disable
    )
    _audit(studio, "user-change", f"user:{name}", f"role {user.role.value}")
    console.print(f"[bold green]updated[/] {user.name} ({user.role.value}{', disabled' if user.disabled else ''})")


@tokens_app.command("add")
def tokens_add(
    name: Annotated[str, typer.Argument(help="What uses the token.", show_default=False)],
    role: Annotated[str, typer.Option(help="viewer, writer, producer, admin, or ingest (events only).")] = "ingest",
    studio: StudioDir = Path("."),
) -> None:
    """Make an API token; the secret is printed once."""
    from dramaline.studio.users import token_role

    token, secret = _users(studio).add_token(name, token_role(role), "cli")
    _audit(studio, "token-add", f"token:{token.id}", f"{token.name} ({token.role.value})")
    console.print(f"token {token.id} ({token.role.value}); send it as `Authorization: Bearer {secret}`")


@tokens_app.command("revoke")
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(help="The token's number.", show_default=False)],
    studio: StudioDir = Path("."),
) -> None:
    """Revoke an API token."""
    token = _users(studio).revoke_token(token_id)
    _audit(studio, "token-revoke", f"token:{token.id}", token.name)
    console.print(f"[bold green]revoked[/] token {token.id} ({token.name})")
