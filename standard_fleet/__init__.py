"""`standard-fleet`: update many services to a release of the standard and report on each."""
