"""The CDK (Python) app that deploys Arhivar: one stack per stage, built from the same
definitions the code and the local bootstrap use (models, topology, settings)."""
