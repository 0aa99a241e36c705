"""MLflow's own client over every active run of every active experiment (what
`mltui runs SOURCE -f csv` lists), for the benchmark: prints the number of runs.

usage: python mlflow_search.py TRACKING_URI    (file:///abs/mlruns or sqlite:////abs/x.db)
"""

import os
import sys

os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

from mlflow.entities import ViewType  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402


def main() -> None:
    client = MlflowClient(tracking_uri=sys.argv[1])
    experiments = [
        e.experiment_id for e in client.search_experiments(view_type=ViewType.ACTIVE_ONLY)
    ]
    count, token = 0, None
    while True:
        # 50,000 is the largest page MLflow allows; a file store reads every run per page.
        page = client.search_runs(
            experiments,
            run_view_type=ViewType.ACTIVE_ONLY,
            max_results=50000,
            page_token=token,
        )
        count += len(page)
        token = page.token
        if not token:
            break
    print(count)


if __name__ == "__main__":
    main()
