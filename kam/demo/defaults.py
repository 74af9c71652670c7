"""The demo's default size and seed, apart from the generator so that `kam --help` and
every other command start without loading NumPy."""

DEFAULT_ACCOUNTS = 300
DEFAULT_LINES = 60_000
DEFAULT_SEED = 42
