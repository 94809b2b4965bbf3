"""Media tests keep their files in a temporary directory: the app's settings are swapped for
the test's, with `media_dir` under pytest's tmp_path."""

from __future__ import annotations

import dataclasses

import pytest

from media import config


@pytest.fixture
def media_settings(app, settings, tmp_path):
    test_settings = dataclasses.replace(settings, media_dir=tmp_path / "media")
    previous = app.config["FIELDWORK_SETTINGS"]
    app.config["FIELDWORK_SETTINGS"] = test_settings
    yield test_settings
    app.config["FIELDWORK_SETTINGS"] = previous


@pytest.fixture
def media_cfg(media_settings) -> config.MediaConfig:
    return config.from_settings(media_settings)
