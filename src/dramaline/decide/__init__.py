"""Stage 4, revise and decide: experiments on episode variants and the portfolio of series."""
