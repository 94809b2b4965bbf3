"""Route optimisation (F11): travel matrices, VRPTW problems from work orders, VROOM, plans."""
