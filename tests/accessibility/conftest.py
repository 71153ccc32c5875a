# Chromium and the reference data as the browser journeys have them.
from tests.browser.conftest import browser, reference_data  # noqa: F401
