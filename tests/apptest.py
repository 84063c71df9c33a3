"""AppTest helpers: open a page file (or the whole app) by its path from the repo root."""
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def open_page(path: str, timeout: float = 60) -> AppTest:
    """AppTest for ``path`` (e.g. "pages/jsd.py" or "app.py"), resolved from the repository root."""
    return AppTest.from_file(str(ROOT / path), default_timeout=timeout)


def metric_values(at: AppTest) -> dict[str, str]:
    """{label: shown value} of every st.metric on the page."""
    return {m.label: m.value for m in at.metric}


def live_figures(at: AppTest) -> list[dict]:
    """The figures the page sent through ui.live_chart (plotly figure dicts, in page order). AppTest does not run
    a custom component's JavaScript; what the page sent is the element's data."""
    from ganviz.ui.charts import NAME

    return [json.loads(json.loads(el.proto.json)["figure"])
            for el in at.get("bidi_component") if el.proto.component_name == NAME]


def live_keys(at: AppTest) -> list[str]:
    """The keys of the page's live charts, in page order (an element id ends with its key)."""
    from ganviz.ui.charts import NAME

    return [el.proto.id.split("-", 2)[-1] for el in at.get("bidi_component") if el.proto.component_name == NAME]


def figures(at: AppTest) -> list[dict]:
    """Every plotly figure on the page: the live charts' (ui.live_chart), then st.plotly_chart's."""
    return live_figures(at) + [json.loads(el.proto.spec) for el in at.get("plotly_chart")]


def live_images(at: AppTest) -> dict:
    """{key: picture} of the pictures the page sent through ui.live_image, decoded from their PNG (PIL)."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    from ganviz.ui.charts import NAME

    return {el.proto.id.split("-", 2)[-1]: np.asarray(Image.open(io.BytesIO(base64.b64decode(
        json.loads(el.proto.json)["png"])), formats=["PNG"]))
        for el in at.get("bidi_component") if el.proto.component_name == f"{NAME}_image"}
