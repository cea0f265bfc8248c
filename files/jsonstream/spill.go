package jsonstream

// spillAt is how much of a value a stream's window holds before the value spills: a
// larger value read from a reader is gathered in blocks rather than in a window grown to
// its size.
const spillAt = 1 << 20

// spill gathers the part of a held value that the window has moved past, in blocks of
// spillAt bytes, so that a large value grows without copying itself (and without the
// garbage of the copies, which would double the peak memory of a value near the limit)
// and is joined once, at its final size. A value found over the limit is dropped.
type spill struct {
	blocks [][]byte
	n      int
}

func (g *spill) write(b []byte) {
	g.n += len(b)
	for len(b) > 0 {
		if len(g.blocks) == 0 || len(g.blocks[len(g.blocks)-1]) == spillAt {
			g.blocks = append(g.blocks, make([]byte, 0, spillAt))
		}
		last := &g.blocks[len(g.blocks)-1]
		k := min(len(b), spillAt-len(*last))
		*last = append(*last, b[:k]...)
		b = b[k:]
	}
}

// drop forgets the bytes gathered; the blocks go to the collector.
func (g *spill) drop() { g.blocks, g.n = nil, 0 }

// join returns the value, the bytes gathered then tail, in one new buffer, and forgets
// the blocks.
func (g *spill) join(tail []byte) []byte {
	out := make([]byte, 0, g.n+len(tail))
	for _, b := range g.blocks {
		out = append(out, b...)
	}
	out = append(out, tail...)
	g.drop()
	return out
}
