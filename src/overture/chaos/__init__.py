"""``make chaos``: a throwaway multi-process deployment under load and random faults, then an audit of
nothing lost, duplicated, oversold or mismatched (see run.py; ``python -m overture.chaos``)."""
