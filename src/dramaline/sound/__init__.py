"""Everything audio, in production order: speech (the SpeechModel protocol and its backends),
sound effects, the music score, the mix and the master. Stages pass `Audio` values (mono float32
at 48 kHz); import from the modules: `dramaline.sound.speech`, `.effects`, `.score`, `.mix`, `.audio`.
"""
