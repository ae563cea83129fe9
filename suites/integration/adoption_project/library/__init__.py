"""A small lending library's data layer: members and books, on MySQL and on DynamoDB.

Written only for the adoption test (suites/integration/test_adopting_parity_from_a_wheel.py),
which copies it into an empty project, runs ``parity init`` there and points Parity at it.
It knows nothing about Parity: ``parity_target.py`` beside this package is the glue.
"""
