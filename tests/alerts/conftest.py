import pytest


@pytest.fixture(autouse=True)
def _tasks_driven_by_the_test(settings):
    """In-process tests call the tasks themselves (sweep, deliver): enqueued tasks go to
    Celery's in-memory broker, which nothing consumes, instead of this process's thread
    pool (which would race the test's own calls and outlive its database)."""
    settings.BACKGROUND = "celery"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
