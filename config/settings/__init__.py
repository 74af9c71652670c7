"""Settings are split by where kam runs: base (shared), local, production and test."""
