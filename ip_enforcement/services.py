"""Use cases of this app: one function per use case, each checks its rule, writes, audits and emits in one transaction."""
