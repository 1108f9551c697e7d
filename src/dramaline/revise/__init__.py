"""Stage 4, revise: audience data → a revision plan (`diagnose`) → the episode's next version (`apply`, `llm_apply`)."""
