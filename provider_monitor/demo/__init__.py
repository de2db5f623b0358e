"""Demo data: a believable Nottinghamshire care market, created only by `flask demo seed`."""
