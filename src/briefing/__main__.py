"""``python -m briefing``: the same as the ``briefing`` command."""

from briefing.cli import main

if __name__ == "__main__":
    main()
