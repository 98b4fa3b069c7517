"""python -m casekit.data.generators: regenerate the bundled synthetic datasets."""

from casekit.data.generators import build_bundled

for dataset, where in build_bundled().items():
    print(f"{dataset:22s} {where}  {where.stat().st_size:,} bytes")
