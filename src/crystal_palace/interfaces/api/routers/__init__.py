"""Endpoints of the jobs beyond identify and legal, one module per job (see ``app.JOB_ROUTERS``)."""
