"""Tools for a deployed stack: its outputs, SigV4-signed admin calls, and Cognito buyers with real tokens."""
