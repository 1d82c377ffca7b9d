"""The compiled scalar path: a ruleset's whole client decision as one generated function.

``Ruleset.decide`` interprets its sections' plans: a dict of inputs, a loop of steps, a
Verdict handed round. At load, :func:`fuse` writes the same decision as one Python
function over local variables: inputs read field by field into locals, derived values and
criteria as inline expressions, bands, tiers, flags and routes as straight-line code. Each
section writes its own part (``CompiledSection.emit``), by the same Decimal operations in
the same order as its ``decide``, so the result is the same decision, bit for bit.

Two rules keep it exactly as right as the reference path:

- anything unusual (a record that is not a dict, an unknown key, a value the converters
  would have to judge, a failing expression, an override) goes to the reference path,
  which decides it or raises its located error, so errors are the reference's own;
- a ruleset with a shape a section cannot write (``CannotFuse``) is not fused at all.

The decision's ``values`` and ``indicators`` are kept raw and built when first asked for.
"""
