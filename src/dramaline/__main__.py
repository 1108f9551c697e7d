"""`python -m dramaline`: the same command line as the `dramaline` script."""

from dramaline.cli import run

if __name__ == "__main__":
    run()
