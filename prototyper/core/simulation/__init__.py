"""The simulation over time: a population of users followed day by day, with feedback loops,
and the limits on its size."""
