"""One module per evaluation design (runners turn a spec and a DataFrame into a result.json payload);
`common` holds what they share. The remaining designs still live in evaluations/specs.py."""
