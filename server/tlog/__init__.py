"""The transparency log's pure core: RFC 9162 Merkle proofs, C2SP signed notes, checkpoints and offline proofs."""
