"""The normative specification: ``SPEC.md`` and its machine-readable parts.

``regmap`` is the register map (the single source of every constant),
``rules`` the index of rule ids, ``wire`` the wire protocol's grammar
(SPEC.md section 13); ``generated/`` and ``vectors/`` hold the artefacts
derived from them and from the model.
"""

#: The public modules (imported on use: reading ``regmap`` loads nothing else).
__all__ = ["drive", "regmap", "rules", "wire"]
