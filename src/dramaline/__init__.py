"""dramaline: an AI-first short-drama studio, from premise to measured, revised vertical episodes."""
