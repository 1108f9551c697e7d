"""Stage 2, produce: a written series -> voiced, captioned, labelled vertical MP4 episodes, cached."""
