"""A synthetic Hub for tests, benchmarks and the demo, and a local server that speaks the
Hub's wire protocol on 127.0.0.1.

- :mod:`lineage.sim.simulate`: :func:`simulate_hub` (the Hub's JSON) and
  :func:`simulate_frames` (the same graph as two frames);
- :mod:`lineage.sim.hubserver`: :class:`LocalHub`.
"""

from lineage.sim.hubserver import LocalHub
from lineage.sim.simulate import simulate_frames, simulate_hub

__all__ = ["LocalHub", "simulate_frames", "simulate_hub"]
