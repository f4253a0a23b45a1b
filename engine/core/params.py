"""Named parameter tensors stored as views into one flat buffer."""

from __future__ import annotations

import numpy as np


class FlatDict(dict):
    """A dict of named arrays that are views into one flat vector, `.flat`.

    Optimizers update `.flat` with a handful of whole-vector operations, whatever
    the depth; assigning to a key copies into its view so the views stay valid.
    """

    flat: np.ndarray
    offsets: np.ndarray  # start of each entry in `.flat`, in key order
    layout: tuple[tuple[str, int, int, tuple[int, ...]], ...]  # name, start, stop, shape

    @classmethod
    def allocate(cls, shapes: dict[str, tuple[int, ...]], dtype: np.dtype) -> FlatDict:
        """Zero-filled arrays of the given shapes, in the given order."""
        sizes = [int(np.prod(s)) for s in shapes.values()]
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
        layout = tuple(
            (name, int(start), int(start) + size, shape)
            for (name, shape), start, size in zip(shapes.items(), offsets, sizes, strict=True)
        )
        template = cls()
        template.offsets = offsets
        template.layout = layout
        return template.wrap(np.zeros(sum(sizes), dtype=dtype))

    def empty_like(self) -> FlatDict:
        """A new FlatDict with the same layout and uninitialised values."""
        return self.wrap(np.empty_like(self.flat))

    def wrap(self, flat: np.ndarray) -> FlatDict:
        """A FlatDict with this layout whose views point into `flat` (no copy)."""
        out = type(self)((name, flat[a:b].reshape(shape)) for name, a, b, shape in self.layout)
        out.flat = flat
        out.offsets = self.offsets
        out.layout = self.layout
        return out

    def copy(self) -> FlatDict:
        """A deep copy with its own flat buffer."""
        out = self.empty_like()
        np.copyto(out.flat, self.flat)
        return out

    def __reduce__(self):
        # Pickle the flat buffer once; the views are rebuilt on load (pickling them one
        # by one would store every value twice and detach them from `.flat`).
        return (_restore, (self.flat, self.offsets, self.layout))

    def __setitem__(self, key: str, value: np.ndarray) -> None:
        if key not in self:
            raise KeyError(f"no parameter named {key!r}; names are {list(self)}")
        view = dict.__getitem__(self, key)
        value = np.asarray(value)
        if value.shape != view.shape:
            raise ValueError(f"{key} has shape {view.shape}, got {value.shape}")
        view[...] = value


def _restore(flat: np.ndarray, offsets: np.ndarray, layout: tuple) -> FlatDict:
    template = FlatDict()
    template.offsets = offsets
    template.layout = layout
    return template.wrap(flat)
