"""``python -m lineage.hubserver``: the local Hub server (:mod:`lineage.sim.hubserver`)."""

from lineage.sim.hubserver import main

if __name__ == "__main__":
    main()
