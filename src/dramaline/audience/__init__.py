"""Stage 3, publish and measure: audience events in, retention, hotspots and funnels out."""
