"""Settings for the whole suite."""

from hypothesis import settings

# Property tests draw from a fixed seed, so CI cannot go red on a draw nobody saw locally, and
# keep no example database in the checkout. No deadline: a loaded CI machine is slow, and speed
# is judged in benchmarks/, never by a test.
settings.register_profile("fixed", derandomize=True, database=None, deadline=None)
settings.load_profile("fixed")
