"""Trainer demo mode: scenario files (:mod:`.scenario`), the player that drives the real workbench through them
(:mod:`.player`), and the ``huiyin demo`` command (:mod:`.command`). The four stories ship in ``scenarios/``."""
