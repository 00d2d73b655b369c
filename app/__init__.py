"""claimgraph: a claim-provenance service."""

__version__ = "0.1.0"
