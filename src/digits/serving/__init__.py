"""The serving room: the FastAPI app (routers, settings and the predictor as dependencies,
pydantic answers) and the drawing page. Uses the reading room; never imports Keras."""
