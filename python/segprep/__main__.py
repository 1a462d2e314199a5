"""``python -m segprep``: the ``segprep`` command line."""

from ._cli import main

if __name__ == "__main__":
    main()
