"""The season: K series launched together and run week by week through the whole loop (`dramaline season`)."""
