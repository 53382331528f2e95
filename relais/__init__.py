"""The composition root: builds the services from settings (``wiring``), and the three thin triggers that call
them: the ``relais`` CLI, the scheduler and the web server."""

__version__ = "0.1.0"
