"""The simulation over time: a population of users followed day by day. ``simulate`` holds
the entry points, ``run`` the day loop, ``plan`` its score segments and random draws,
``results`` what a run gives back, ``summary`` the reporting, ``feedback`` the feedback loop
and ``limits`` the limits on a run's size."""
