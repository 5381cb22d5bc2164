/*
 * The per-molecule view of the generic-definition engine, read from RDKit's binary form of the molecule.
 *
 * Why: the engine needs, for every structure of a screen, each atom's element, aromaticity, hydrogens
 * and charge, the bonds with their types, and the rings. Asking RDKit for them through its Python
 * wrappers costs about 4,400 CPU instructions to wrap each atom and 1,200 for each value read: a fifth
 * of legal status. The same facts are in the molecule's binary form (``Mol.ToBinary()``, which the
 * engine computes anyway to remember its answers), written by RDKit's MolPickler in a documented,
 * versioned layout. Reading it here costs a few instructions an atom.
 *
 * The reader is deliberately narrow: it understands the layout of pickle major version 16 for plain
 * molecules (atoms and bonds without queries or monomer information, ring information present). For
 * anything else it returns None and the engine reads the molecule through RDKit's API, as before; the
 * two readings are compared value by value in tests/legal/test_molview.py.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* MolPickler tags used here (their values in the byte stream) */
#define TAG_BEGINATOM 1
#define TAG_ATOM_MAPNUMBER 24
#define TAG_BEGINBOND 11
#define TAG_BEGINSSSR 20
#define TAG_BEGINSYMMSSSR 66
#define TAG_BEGINFASTFIND 67

typedef struct {
    const unsigned char *p;
    const unsigned char *end;
    int wide; /* atom indices as int32 (more than 255 atoms) instead of one byte */
} Reader;

static int need(Reader *r, Py_ssize_t n) { return r->end - r->p >= n; }

static int read_u8(Reader *r, int *out) {
    if (!need(r, 1)) return 0;
    *out = *r->p++;
    return 1;
}

static int read_i8(Reader *r, int *out) {
    if (!need(r, 1)) return 0;
    *out = (signed char)*r->p++;
    return 1;
}

static int read_i32(Reader *r, int32_t *out) {
    if (!need(r, 4)) return 0;
    memcpy(out, r->p, 4); /* little-endian, as the endian id checked below says */
    r->p += 4;
    return 1;
}

static int read_index(Reader *r, int *out) {
    if (r->wide) {
        int32_t v;
        if (!read_i32(r, &v)) return 0;
        *out = v;
        return 1;
    }
    return read_u8(r, out);
}

typedef struct {
    int z, aromatic, charge, hydrogens, isotope;
} AtomFacts;

/* One atom record; 0 when it is one this reader leaves to the API (or the bytes run out). */
static int read_atom(Reader *r, AtomFacts *a) {
    int flags, v;
    int32_t props;
    if (!read_u8(r, &a->z) || !read_u8(r, &flags)) return 0;
    /* 0x80 coordinates, 0x10 query, 0x04 dummy label, 0x02 monomer information: not for this reader */
    if (flags & (0x80 | 0x10 | 0x04 | 0x02)) return 0;
    a->aromatic = (flags & 0x40) != 0;
    if (!read_i32(r, &props)) return 0;
    if (props & ~0x1FF) return 0; /* a field this reader does not know */
    a->charge = 0;
    a->hydrogens = 0;
    a->isotope = 0;
    if (props & 0x001) { /* an old mass difference (float) */
        if (!need(r, 4)) return 0;
        r->p += 4;
    }
    if ((props & 0x002) && !read_i8(r, &a->charge)) return 0;
    if ((props & 0x004) && !read_u8(r, &v)) return 0;          /* chiral tag */
    if ((props & 0x008) && !read_u8(r, &v)) return 0;          /* hybridisation */
    if (props & 0x010) {                                        /* explicit hydrogens */
        if (!read_i8(r, &v)) return 0;
        a->hydrogens += v;
    }
    if ((props & 0x020) && !read_i8(r, &v)) return 0;          /* explicit valence */
    if (props & 0x040) {                                        /* implicit valence = implicit hydrogens */
        if (!read_i8(r, &v)) return 0;
        if (!(flags & 0x20)) a->hydrogens += v;                 /* (none when "no implicit" is set) */
    }
    if ((props & 0x080) && !read_u8(r, &v)) return 0;          /* radical electrons */
    if (props & 0x100) {
        int32_t iso;
        if (!read_i32(r, &iso)) return 0;
        a->isotope = iso;
    }
    if (flags & 0x08) { /* atom map number: tag, a byte, and an int32 when the byte is out of 0..127 */
        int tag, small;
        if (!read_u8(r, &tag) || tag != TAG_ATOM_MAPNUMBER || !read_i8(r, &small)) return 0;
        if (small < 0) {
            int32_t big;
            if (!read_i32(r, &big)) return 0;
        }
    }
    return 1;
}

typedef struct {
    int atom, bond;
} Link;

static int cmp_link(const void *a, const void *b) { return ((const Link *)a)->atom - ((const Link *)b)->atom; }
static int cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* A new (i, j) tuple (Py_BuildValue parses its format on every call: several times the cost). */
static PyObject *pair(int i, int j) {
    PyObject *t = PyTuple_New(2), *a = PyLong_FromLong(i), *b = PyLong_FromLong(j);
    if (!t || !a || !b) {
        Py_XDECREF(t);
        Py_XDECREF(a);
        Py_XDECREF(b);
        return NULL;
    }
    PyTuple_SET_ITEM(t, 0, a);
    PyTuple_SET_ITEM(t, 1, b);
    return t;
}

/* A new reference to the small int v, or to None for ANY (the "any" field of an atom kind). */
#define ANY (-1)
static PyObject *int_or_none(int v) {
    if (v == ANY) Py_RETURN_NONE;
    return PyLong_FromLong(v);
}

/* The kinds dict of legal.query_screen.kinds_present: every (element, aromatic, in a ring) kind of the
 * atoms, each field also as None ("any"), with its count. */
static PyObject *kind_keys[257][3][3];

static PyObject *kinds_of(const AtomFacts *atoms, const char *in_ring, int n_atoms) {
    /* counts[z][a][r], z = 0..255 and 256 for any, a and r = 0, 1 and 2 for any; only the elements
     * present (and "any") are cleared and visited */
    int counts[257][3][3];
    int present[257], n_present = 0;
    char seen[257] = {0};
    for (int i = 0; i < n_atoms; i++) {
        int z = atoms[i].z;
        if (!seen[z]) {
            seen[z] = 1;
            present[n_present++] = z;
        }
    }
    present[n_present++] = 256;
    for (int k = 0; k < n_present; k++) memset(counts[present[k]], 0, sizeof(counts[0]));
    for (int i = 0; i < n_atoms; i++) {
        int z = atoms[i].z, a = atoms[i].aromatic, r = in_ring[i];
        int zs[2] = {z, 256}, as[2] = {a, 2}, rs[2] = {r, 2};
        for (int x = 0; x < 2; x++)
            for (int y = 0; y < 2; y++)
                for (int w = 0; w < 2; w++) counts[zs[x]][as[y]][rs[w]]++;
    }
    PyObject *out = PyDict_New();
    if (!out) return NULL;
    for (int k = 0; k < n_present; k++)
        for (int a = 0; a < 3; a++)
            for (int r = 0; r < 3; r++) {
                int z = present[k];
                if (!counts[z][a][r]) continue;
                PyObject *key = kind_keys[z][a][r]; /* made once, kept for the process (at most 2,313) */
                if (!key) {
                    key = PyTuple_New(3);
                    if (!key) goto failed;
                    PyTuple_SET_ITEM(key, 0, int_or_none(z == 256 ? ANY : z));
                    PyTuple_SET_ITEM(key, 1, int_or_none(a == 2 ? ANY : a));
                    PyTuple_SET_ITEM(key, 2, int_or_none(r == 2 ? ANY : r));
                    if (!PyTuple_GET_ITEM(key, 0) || !PyTuple_GET_ITEM(key, 1) || !PyTuple_GET_ITEM(key, 2)) {
                        Py_DECREF(key);
                        goto failed;
                    }
                    kind_keys[z][a][r] = key;
                }
                PyObject *n = PyLong_FromLong(counts[z][a][r]);
                if (!n) goto failed;
                int bad = PyDict_SetItem(out, key, n) < 0;
                Py_DECREF(n);
                if (bad) goto failed;
            }
    return out;
failed:
    Py_DECREF(out);
    return NULL;
}

/* read(binary, bond_types) -> (numbers, aromatic, hydrogens, charges, labelled, neighbours, rings, contexts,
 * bond_code, kinds) or None. See legal/molview.py for the meaning of each part. */
static PyObject *molview_read(PyObject *self, PyObject *args) {
    Py_buffer buf;
    PyObject *bond_types;
    if (!PyArg_ParseTuple(args, "y*O!", &buf, &PyDict_Type, &bond_types)) return NULL;
    Reader r = {(const unsigned char *)buf.buf, (const unsigned char *)buf.buf + buf.len, 0};
    PyObject *result = NULL;
    AtomFacts *atoms = NULL;
    int *ends = NULL, *types = NULL, *degree = NULL, *offset = NULL, *ring_start = NULL, *ring_atoms = NULL;
    int *sizes_start = NULL, *sizes = NULL;
    char *in_ring = NULL, *ring_bond = NULL;
    Link *adjacency = NULL;
    PyObject *numbers = NULL, *aromatic = NULL, *hydrogens = NULL, *charges = NULL, *labelled = NULL;
    PyObject *neighbours = NULL, *rings = NULL, *contexts = NULL, *codes = NULL, *kinds = NULL;
    int32_t head[5], n_atoms, n_bonds, n_rings;
    int tag, any_charge = 0, flag, ring_total = 0;

    for (int k = 0; k < 5; k++)
        if (!read_i32(&r, &head[k])) goto unsupported;
    /* endian id, VERSION tag (0), major version 16 */
    if ((uint32_t)head[0] != 0xDEADBEEFu || head[1] != 0 || head[2] != 16) goto unsupported;
    if (!read_i32(&r, &n_atoms) || !read_i32(&r, &n_bonds) || n_atoms < 0 || n_bonds < 0) goto unsupported;
    if (n_atoms > 100000 || n_bonds > 200000) goto unsupported;
    r.wide = n_atoms > 255;
    if (!read_u8(&r, &flag) || !read_u8(&r, &tag) || tag != TAG_BEGINATOM) goto unsupported;

    atoms = PyMem_Calloc((size_t)n_atoms + 1, sizeof(AtomFacts));
    ends = PyMem_Calloc(2 * (size_t)n_bonds + 1, sizeof(int));
    types = PyMem_Calloc((size_t)n_bonds + 1, sizeof(int));
    degree = PyMem_Calloc((size_t)n_atoms + 1, sizeof(int));
    offset = PyMem_Calloc((size_t)n_atoms + 2, sizeof(int));
    adjacency = PyMem_Calloc(2 * (size_t)n_bonds + 1, sizeof(Link));
    in_ring = PyMem_Calloc((size_t)n_atoms + 1, 1);
    ring_bond = PyMem_Calloc((size_t)n_bonds + 1, 1);
    sizes_start = PyMem_Calloc((size_t)n_atoms + 2, sizeof(int));
    if (!atoms || !ends || !types || !degree || !offset || !adjacency || !in_ring || !ring_bond || !sizes_start) {
        PyErr_NoMemory();
        goto done;
    }
    for (int i = 0; i < n_atoms; i++) {
        if (!read_atom(&r, &atoms[i])) goto unsupported;
        if (atoms[i].z == 0) goto unsupported; /* a dummy atom's symbol is the API's to give */
        any_charge |= atoms[i].charge != 0;
    }
    if (!read_u8(&r, &tag) || tag != TAG_BEGINBOND) goto unsupported;
    for (int b = 0; b < n_bonds; b++) {
        int i, j, bflags, v;
        if (!read_index(&r, &i) || !read_index(&r, &j) || !read_u8(&r, &bflags)) goto unsupported;
        if (i < 0 || j < 0 || i >= n_atoms || j >= n_atoms || i == j) goto unsupported;
        if (bflags & (0x10 | 0x01)) goto unsupported; /* a query bond, or molfile end points */
        types[b] = 1;                                   /* SINGLE unless written */
        if ((bflags & 0x08) && !read_u8(&r, &types[b])) goto unsupported;
        if ((bflags & 0x04) && !read_u8(&r, &v)) goto unsupported; /* direction */
        if (bflags & 0x02) {                                        /* stereo, then its atoms */
            int count, ignored;
            if (!read_u8(&r, &v) || !read_u8(&r, &count)) goto unsupported;
            for (int k = 0; k < count; k++)
                if (!read_index(&r, &ignored)) goto unsupported;
        }
        ends[2 * b] = i;
        ends[2 * b + 1] = j;
        degree[i]++;
        degree[j]++;
    }

    /* neighbours (with the bond to each), each list in ascending order (as the bond-order matrix gives) */
    for (int i = 0; i < n_atoms; i++) offset[i + 1] = offset[i] + degree[i];
    {
        int *fill = PyMem_Calloc((size_t)n_atoms + 1, sizeof(int));
        if (!fill) {
            PyErr_NoMemory();
            goto done;
        }
        for (int b = 0; b < n_bonds; b++) {
            int i = ends[2 * b], j = ends[2 * b + 1];
            adjacency[offset[i] + fill[i]++] = (Link){j, b};
            adjacency[offset[j] + fill[j]++] = (Link){i, b};
        }
        PyMem_Free(fill);
    }
    for (int i = 0; i < n_atoms; i++) {
        qsort(adjacency + offset[i], (size_t)degree[i], sizeof(Link), cmp_link);
        for (int k = 1; k < degree[i]; k++)
            if (adjacency[offset[i] + k].atom == adjacency[offset[i] + k - 1].atom) goto unsupported; /* a double edge */
    }

    /* rings, in RDKit's order (RingInfo.AtomRings()); which atoms and bonds are in one, ring sizes per atom */
    if (!read_u8(&r, &tag)) goto unsupported;
    if (tag != TAG_BEGINSSSR && tag != TAG_BEGINSYMMSSSR && tag != TAG_BEGINFASTFIND) goto unsupported;
    if (!read_i32(&r, &n_rings) || n_rings < 0 || n_rings > 4 * (n_bonds + 1)) goto unsupported;
    ring_start = PyMem_Calloc((size_t)n_rings + 1, sizeof(int));
    ring_atoms = PyMem_Calloc((size_t)n_rings * (size_t)(n_atoms + 1) + 1, sizeof(int));
    if (!ring_start || !ring_atoms) {
        PyErr_NoMemory();
        goto done;
    }
    for (int k = 0; k < n_rings; k++) {
        int size;
        if (!read_index(&r, &size) || size < 3 || size > n_atoms) goto unsupported;
        ring_start[k] = ring_total;
        for (int m = 0; m < size; m++) {
            int a;
            if (!read_index(&r, &a) || a < 0 || a >= n_atoms) goto unsupported;
            ring_atoms[ring_total++] = a;
            in_ring[a] = 1;
            sizes_start[a + 1]++;
        }
    }
    ring_start[n_rings] = ring_total;
    for (int k = 0; k < n_rings; k++) { /* consecutive ring atoms are bonded, the last to the first */
        int first = ring_start[k], size = ring_start[k + 1] - first;
        for (int m = 0; m < size; m++) {
            int a = ring_atoms[first + m], b = ring_atoms[first + (m + 1) % size], found = -1;
            for (int q = offset[a]; q < offset[a + 1]; q++)
                if (adjacency[q].atom == b) found = adjacency[q].bond;
            if (found < 0) goto unsupported; /* not a ring of this molecule's bonds */
            ring_bond[found] = 1;
        }
    }
    for (int i = 0; i < n_atoms; i++) sizes_start[i + 1] += sizes_start[i];
    sizes = PyMem_Calloc((size_t)ring_total + 1, sizeof(int));
    if (!sizes) {
        PyErr_NoMemory();
        goto done;
    }
    {
        int *fill = PyMem_Calloc((size_t)n_atoms + 1, sizeof(int));
        if (!fill) {
            PyErr_NoMemory();
            goto done;
        }
        for (int k = 0; k < n_rings; k++)
            for (int m = ring_start[k]; m < ring_start[k + 1]; m++) {
                int a = ring_atoms[m];
                sizes[sizes_start[a] + fill[a]++] = ring_start[k + 1] - ring_start[k];
            }
        PyMem_Free(fill);
        for (int i = 0; i < n_atoms; i++)
            qsort(sizes + sizes_start[i], (size_t)(sizes_start[i + 1] - sizes_start[i]), sizeof(int), cmp_int);
    }

    /* the Python objects */
    if (!(numbers = PyList_New(n_atoms)) || !(aromatic = PyList_New(n_atoms)) ||
        !(hydrogens = PyList_New(n_atoms)) || !(neighbours = PyList_New(n_atoms)) ||
        !(labelled = PyList_New(0)) || !(contexts = PyList_New(n_atoms)) || !(codes = _PyDict_NewPresized(2 * n_bonds)) ||
        !(rings = PyTuple_New(n_rings)))
        goto done;
    if (any_charge && !(charges = PyList_New(n_atoms))) goto done;
    for (int i = 0; i < n_atoms; i++) {
        PyObject *near = PyList_New(degree[i]);
        if (!near) goto done;
        PyList_SET_ITEM(neighbours, i, near);
        for (int k = 0; k < degree[i]; k++) {
            PyObject *v = PyLong_FromLong(adjacency[offset[i] + k].atom);
            if (!v) goto done;
            PyList_SET_ITEM(near, k, v);
        }
        PyObject *z = PyLong_FromLong(atoms[i].z), *h = PyLong_FromLong(atoms[i].hydrogens);
        if (!z || !h) {
            Py_XDECREF(z);
            Py_XDECREF(h);
            goto done;
        }
        PyList_SET_ITEM(numbers, i, z);
        PyList_SET_ITEM(hydrogens, i, h);
        PyObject *arom = atoms[i].aromatic ? Py_True : Py_False;
        Py_INCREF(arom);
        PyList_SET_ITEM(aromatic, i, arom);
        if (charges) {
            PyObject *c = PyLong_FromLong(atoms[i].charge);
            if (!c) goto done;
            PyList_SET_ITEM(charges, i, c);
        }
        if (atoms[i].isotope) {
            PyObject *v = PyLong_FromLong(i);
            if (!v || PyList_Append(labelled, v) < 0) {
                Py_XDECREF(v);
                goto done;
            }
            Py_DECREF(v);
        }
        /* (element, aromatic, hydrogens, charge, degree, ring sizes, labelled): see MolGraph.atom_context */
        int n_sizes = sizes_start[i + 1] - sizes_start[i];
        PyObject *ring_sizes = PyTuple_New(n_sizes);
        if (!ring_sizes) goto done;
        for (int k = 0; k < n_sizes; k++) {
            PyObject *v = PyLong_FromLong(sizes[sizes_start[i] + k]);
            if (!v) {
                Py_DECREF(ring_sizes);
                goto done;
            }
            PyTuple_SET_ITEM(ring_sizes, k, v);
        }
        PyObject *context = PyTuple_New(7);
        if (!context) {
            Py_DECREF(ring_sizes);
            goto done;
        }
        PyList_SET_ITEM(contexts, i, context);
        PyObject *labelled_flag = atoms[i].isotope ? Py_True : Py_False;
        Py_INCREF(z);
        Py_INCREF(arom);
        Py_INCREF(h);
        Py_INCREF(labelled_flag);
        PyTuple_SET_ITEM(context, 0, z);
        PyTuple_SET_ITEM(context, 1, arom);
        PyTuple_SET_ITEM(context, 2, h);
        PyTuple_SET_ITEM(context, 5, ring_sizes);
        PyTuple_SET_ITEM(context, 6, labelled_flag);
        PyObject *c = PyLong_FromLong(atoms[i].charge), *d = PyLong_FromLong(degree[i]);
        if (!c || !d) {
            Py_XDECREF(c);
            Py_XDECREF(d);
            goto done;
        }
        PyTuple_SET_ITEM(context, 3, c);
        PyTuple_SET_ITEM(context, 4, d);
    }
    PyObject *type_objects[256] = {NULL}; /* borrowed from bond_types, looked up once per type */
    for (int b = 0; b < n_bonds; b++) {
        PyObject *bt = type_objects[types[b]];
        if (!bt) {
            PyObject *key_type = PyLong_FromLong(types[b]);
            if (!key_type) goto done;
            bt = PyDict_GetItemWithError(bond_types, key_type);
            Py_DECREF(key_type);
            if (!bt) {
                if (PyErr_Occurred()) goto done;
                goto unsupported; /* a bond type the caller did not name */
            }
            type_objects[types[b]] = bt; /* (a type the caller names: checked, not stored) */
        }
        int i = ends[2 * b], j = ends[2 * b + 1];
        /* (MolGraph.bond_code: the bond type's number doubled, plus one in a ring; the bond types themselves
         * are read from it when asked for) */
        PyObject *ij = pair(i, j), *ji = pair(j, i);
        PyObject *code = PyLong_FromLong(2 * types[b] + ring_bond[b]);
        int failed = !ij || !ji || !code || PyDict_SetItem(codes, ij, code) < 0 || PyDict_SetItem(codes, ji, code) < 0;
        Py_XDECREF(ij);
        Py_XDECREF(ji);
        Py_XDECREF(code);
        if (failed) goto done;
    }
    for (int k = 0; k < n_rings; k++) {
        int first = ring_start[k], size = ring_start[k + 1] - first;
        PyObject *ring = PyTuple_New(size);
        if (!ring) goto done;
        PyTuple_SET_ITEM(rings, k, ring);
        for (int m = 0; m < size; m++) {
            PyObject *v = PyLong_FromLong(ring_atoms[first + m]);
            if (!v) goto done;
            PyTuple_SET_ITEM(ring, m, v);
        }
    }
    if (!(kinds = kinds_of(atoms, in_ring, n_atoms))) goto done;
    if (!charges) {
        charges = Py_None;
        Py_INCREF(charges);
    }
    result = PyTuple_Pack(10, numbers, aromatic, hydrogens, charges, labelled, neighbours, rings, contexts, codes,
                          kinds);
    goto done;

unsupported:
    if (!PyErr_Occurred()) {
        result = Py_None;
        Py_INCREF(result);
    }
done:
    Py_XDECREF(numbers);
    Py_XDECREF(aromatic);
    Py_XDECREF(hydrogens);
    Py_XDECREF(charges);
    Py_XDECREF(labelled);
    Py_XDECREF(neighbours);
    Py_XDECREF(rings);
    Py_XDECREF(contexts);
    Py_XDECREF(codes);
    Py_XDECREF(kinds);
    PyMem_Free(atoms);
    PyMem_Free(ends);
    PyMem_Free(types);
    PyMem_Free(degree);
    PyMem_Free(offset);
    PyMem_Free(adjacency);
    PyMem_Free(in_ring);
    PyMem_Free(ring_bond);
    PyMem_Free(ring_start);
    PyMem_Free(ring_atoms);
    PyMem_Free(sizes_start);
    PyMem_Free(sizes);
    PyBuffer_Release(&buf);
    return result;
}


/* ---- context_key ---------------------------------------------------------------------------------------- */

typedef struct {
    int a, b, c;
} Triple;

static int cmp_triple(const void *x, const void *y) {
    const Triple *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return (p->c > q->c) - (p->c < q->c);
}

/* code[(i, j)] as a C int; `fallback` when the pair is missing (-2 on error) */
static int code_of(PyObject *codes, int i, int j, int fallback) {
    PyObject *key = pair(i, j);
    if (!key) return -2;
    PyObject *v = PyDict_GetItemWithError(codes, key); /* borrowed */
    Py_DECREF(key);
    if (!v) return PyErr_Occurred() ? -2 : fallback;
    long c = PyLong_AsLong(v);
    if (c == -1 && PyErr_Occurred()) return -2;
    return (int)c;
}

static PyObject *int_tuple(const int *values, int n) {
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    for (int k = 0; k < n; k++) {
        PyObject *v = PyLong_FromLong(values[k]);
        if (!v) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, v);
    }
    return t;
}

static PyObject *triples_tuple(const Triple *items, int n) {
    PyObject *t = PyTuple_New(n);
    if (!t) return NULL;
    for (int k = 0; k < n; k++) {
        int v[3] = {items[k].a, items[k].b, items[k].c};
        PyObject *item = int_tuple(v, 3);
        if (!item) {
            Py_DECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, item);
    }
    return t;
}

/* The atom indices of a set into `out` (which holds its size), each checked against n; the count, or
 * -1 with an exception naming `what`. */
static Py_ssize_t set_atoms(PyObject *set, Py_ssize_t n, int *out, const char *what) {
    Py_ssize_t pos = 0, k = 0;
    PyObject *item;
    Py_hash_t hash;
    while (_PySet_NextEntry(set, &pos, &item, &hash)) {
        long a = PyLong_AsLong(item);
        if (a < 0 || a >= n) {
            if (!PyErr_Occurred()) PyErr_Format(PyExc_ValueError, "%s: atom out of range", what);
            return -1;
        }
        out[k++] = (int)a;
    }
    return k;
}

/* context_key(atoms, anchors, atom_context, neighbours, bond_code, atom_rings): the key of
 * legal.pieces.context_key, the same tuple as its Python reading (see there for what it holds). */
static PyObject *molview_context_key(PyObject *self, PyObject *args) {
    PyObject *inside_set, *anchors, *context, *neighbours, *codes, *atom_rings;
    if (!PyArg_ParseTuple(args, "O!O!O!O!O!O!", &PyFrozenSet_Type, &inside_set, &PyTuple_Type, &anchors,
                          &PyList_Type, &context, &PyList_Type, &neighbours, &PyDict_Type, &codes, &PyList_Type,
                          &atom_rings))
        return NULL;
    Py_ssize_t n_atoms = PyList_GET_SIZE(context), n_inside = PySet_GET_SIZE(inside_set);
    Py_ssize_t n_anchors = PyTuple_GET_SIZE(anchors);
    if (PyList_GET_SIZE(neighbours) != n_atoms || PyList_GET_SIZE(atom_rings) != n_atoms || n_inside == 0) {
        PyErr_SetString(PyExc_ValueError, "context_key: inconsistent view");
        return NULL;
    }
    PyObject *result = NULL, *atoms_t = NULL, *links_t = NULL, *anchors_t = NULL, *contacts_t = NULL;
    PyObject *rings_l = NULL, *crossing = NULL;
    int *order = PyMem_Malloc(sizeof(int) * (size_t)n_inside), *local = PyMem_Malloc(sizeof(int) * (size_t)n_atoms);
    int *out_atoms = PyMem_Malloc(sizeof(int) * ((size_t)n_anchors + 1));
    Triple *links = NULL, *contacts = NULL;
    int n_out = 0, n_links = 0, n_contacts = 0, degree_total = 0;
    if (!order || !local || !out_atoms) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t a = 0; a < n_atoms; a++) local[a] = -1;
    {
        if (set_atoms(inside_set, n_atoms, order, "context_key") < 0) goto done;
        qsort(order, (size_t)n_inside, sizeof(int), cmp_int);
        for (Py_ssize_t k = 0; k < n_inside; k++) {
            local[order[k]] = (int)k;
            degree_total += (int)PyList_GET_SIZE(PyList_GET_ITEM(neighbours, order[k]));
        }
    }
    links = PyMem_Malloc(sizeof(Triple) * ((size_t)degree_total + 1));
    contacts = PyMem_Malloc(sizeof(Triple) * ((size_t)degree_total + 1));
    if (!links || !contacts) {
        PyErr_NoMemory();
        goto done;
    }
    /* atoms: their contexts in index order */
    if (!(atoms_t = PyTuple_New(n_inside))) goto done;
    for (Py_ssize_t k = 0; k < n_inside; k++) {
        PyObject *v = PyList_GET_ITEM(context, order[k]);
        Py_INCREF(v);
        PyTuple_SET_ITEM(atoms_t, k, v);
    }
    /* anchors: (outside atom numbered by first appearance, local atom or -1, bond code or 0, outside context) */
    if (!(anchors_t = PyTuple_New(n_anchors))) goto done;
    for (Py_ssize_t k = 0; k < n_anchors; k++) {
        PyObject *bond = PyTuple_GET_ITEM(anchors, k);
        if (!PyTuple_Check(bond) || PyTuple_GET_SIZE(bond) != 2) {
            PyErr_SetString(PyExc_ValueError, "context_key: an anchor is not a pair");
            goto done;
        }
        long o = PyLong_AsLong(PyTuple_GET_ITEM(bond, 0)), i = PyLong_AsLong(PyTuple_GET_ITEM(bond, 1));
        if (o < 0 || o >= n_atoms || i < 0 || i >= n_atoms) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "context_key: anchor out of range");
            goto done;
        }
        int index = -1;
        for (int m = 0; m < n_out; m++)
            if (out_atoms[m] == o) index = m;
        if (index < 0) {
            index = n_out;
            out_atoms[n_out++] = (int)o;
        }
        int c = code_of(codes, (int)o, (int)i, 0);
        if (c == -2) goto done;
        PyObject *entry = PyTuple_New(4), *v0 = PyLong_FromLong(index), *v1 = PyLong_FromLong(local[i]),
                 *v2 = PyLong_FromLong(c), *v3 = PyList_GET_ITEM(context, o);
        if (!entry || !v0 || !v1 || !v2) {
            Py_XDECREF(entry);
            Py_XDECREF(v0);
            Py_XDECREF(v1);
            Py_XDECREF(v2);
            goto done;
        }
        Py_INCREF(v3);
        PyTuple_SET_ITEM(entry, 0, v0);
        PyTuple_SET_ITEM(entry, 1, v1);
        PyTuple_SET_ITEM(entry, 2, v2);
        PyTuple_SET_ITEM(entry, 3, v3);
        PyTuple_SET_ITEM(anchors_t, k, entry);
    }
    /* links inside (i < j, by i then neighbour order) and contacts with the outside atoms (sorted) */
    for (Py_ssize_t k = 0; k < n_inside; k++) {
        int i = order[k];
        PyObject *near = PyList_GET_ITEM(neighbours, i);
        for (Py_ssize_t q = 0; q < PyList_GET_SIZE(near); q++) {
            long j = PyLong_AsLong(PyList_GET_ITEM(near, q));
            if (j < 0 || j >= n_atoms) {
                if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "context_key: neighbour out of range");
                goto done;
            }
            if (local[j] >= 0) {
                if (j > i) {
                    int c = code_of(codes, i, (int)j, -3);
                    if (c < 0) {
                        if (c == -3) PyErr_SetString(PyExc_KeyError, "context_key: a bond without a code");
                        goto done;
                    }
                    links[n_links++] = (Triple){local[i], local[j], c};
                }
                continue;
            }
            int index = -1;
            for (int m = 0; m < n_out; m++)
                if (out_atoms[m] == j) index = m;
            if (index >= 0) {
                int c = code_of(codes, i, (int)j, -3);
                if (c < 0) {
                    if (c == -3) PyErr_SetString(PyExc_KeyError, "context_key: a bond without a code");
                    goto done;
                }
                contacts[n_contacts++] = (Triple){index, local[i], c};
            }
        }
    }
    qsort(contacts, (size_t)n_contacts, sizeof(Triple), cmp_triple);
    if (!(links_t = triples_tuple(links, n_links)) || !(contacts_t = triples_tuple(contacts, n_contacts))) goto done;

    /* rings through the piece: (its atoms in the ring, sorted; ring size; outside atoms in it, sorted), sorted;
     * for a one-atom piece: (ring size, outside atoms in it, sorted), sorted */
    if (!(rings_l = PyList_New(0))) goto done;
    if (n_inside == 1) {
        crossing = PyList_GET_ITEM(atom_rings, order[0]);
        Py_INCREF(crossing);
    } else {
        if (!(crossing = PySet_New(NULL))) goto done;
        for (Py_ssize_t k = 0; k < n_inside; k++) {
            PyObject *through = PyList_GET_ITEM(atom_rings, order[k]);
            if (!PyTuple_Check(through)) {
                PyErr_SetString(PyExc_TypeError, "context_key: atom_rings holds tuples");
                goto done;
            }
            for (Py_ssize_t q = 0; q < PyTuple_GET_SIZE(through); q++)
                if (PySet_Add(crossing, PyTuple_GET_ITEM(through, q)) < 0) goto done;
        }
    }
    {
        PyObject *it = PyObject_GetIter(crossing), *ring;
        if (!it) goto done;
        int *mine = PyMem_Malloc(sizeof(int) * (size_t)(n_atoms + 1)), *theirs = PyMem_Malloc(sizeof(int) * (size_t)(n_atoms + 1));
        if (!mine || !theirs) {
            PyMem_Free(mine);
            PyMem_Free(theirs);
            Py_DECREF(it);
            PyErr_NoMemory();
            goto done;
        }
        int failed = 0;
        while (!failed && (ring = PyIter_Next(it))) {
            Py_ssize_t pos = 0, size = PyAnySet_Check(ring) ? PySet_GET_SIZE(ring) : -1;
            PyObject *item, *entry = NULL;
            Py_hash_t hash;
            int n_mine = 0, n_theirs = 0;
            if (size < 0) {
                PyErr_SetString(PyExc_TypeError, "context_key: a ring is a frozenset");
                failed = 1;
            }
            while (!failed && _PySet_NextEntry(ring, &pos, &item, &hash)) {
                long a = PyLong_AsLong(item);
                if (a < 0 || a >= n_atoms) {
                    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "context_key: ring atom out of range");
                    failed = 1;
                    break;
                }
                if (local[a] >= 0)
                    mine[n_mine++] = local[a];
                else
                    for (int m = 0; m < n_out; m++)
                        if (out_atoms[m] == a) theirs[n_theirs++] = m;
            }
            if (!failed) {
                qsort(mine, (size_t)n_mine, sizeof(int), cmp_int);
                qsort(theirs, (size_t)n_theirs, sizeof(int), cmp_int);
                PyObject *ours = n_inside == 1 ? NULL : int_tuple(mine, n_mine), *others = int_tuple(theirs, n_theirs);
                PyObject *length = PyLong_FromSsize_t(size);
                if ((n_inside != 1 && !ours) || !others || !length) {
                    failed = 1;
                } else if (n_inside == 1) {
                    entry = PyTuple_Pack(2, length, others);
                } else {
                    entry = PyTuple_Pack(3, ours, length, others);
                }
                Py_XDECREF(ours);
                Py_XDECREF(others);
                Py_XDECREF(length);
                if (!failed && (!entry || PyList_Append(rings_l, entry) < 0)) failed = 1;
                Py_XDECREF(entry);
            }
            Py_DECREF(ring);
        }
        Py_DECREF(it);
        PyMem_Free(mine);
        PyMem_Free(theirs);
        if (failed || PyErr_Occurred()) goto done;
    }
    if (PyList_Sort(rings_l) < 0) goto done;
    {
        PyObject *rings_t = PyList_AsTuple(rings_l);
        if (!rings_t) goto done;
        result = PyTuple_Pack(5, atoms_t, links_t, anchors_t, contacts_t, rings_t);
        Py_DECREF(rings_t);
    }
done:
    Py_XDECREF(atoms_t);
    Py_XDECREF(links_t);
    Py_XDECREF(anchors_t);
    Py_XDECREF(contacts_t);
    Py_XDECREF(rings_l);
    Py_XDECREF(crossing);
    PyMem_Free(order);
    PyMem_Free(local);
    PyMem_Free(out_atoms);
    PyMem_Free(links);
    PyMem_Free(contacts);
    return result;
}


/* ---- pieces ---------------------------------------------------------------------------------------------- */

/* pieces(neighbours, core) -> [(atoms, anchors, touched), ...]: the groups outside the core, as
 * legal.generic_match.pieces_of finds them (see there): by lowest atom, each with its anchor bonds
 * (outside atom, piece atom) in search order, ordered by piece atom when there are several (stably), and
 * the core atoms it is bonded to, ascending. */
static PyObject *molview_pieces(PyObject *self, PyObject *args) {
    PyObject *neighbours, *core;
    if (!PyArg_ParseTuple(args, "O!O", &PyList_Type, &neighbours, &core)) return NULL;
    if (!PyAnySet_Check(core)) {
        PyErr_SetString(PyExc_TypeError, "pieces: core must be a set");
        return NULL;
    }
    Py_ssize_t n = PyList_GET_SIZE(neighbours);
    PyObject *out = NULL;
    char *in_core = PyMem_Calloc((size_t)n + 1, 1), *seen = PyMem_Calloc((size_t)n + 1, 1);
    int *comp = PyMem_Malloc(sizeof(int) * ((size_t)n + 1)), *stack = PyMem_Malloc(sizeof(int) * ((size_t)n + 1));
    int *touched = PyMem_Malloc(sizeof(int) * ((size_t)n + 1));
    Py_ssize_t edges = 0;
    for (Py_ssize_t a = 0; a < n; a++) {
        PyObject *near = PyList_GET_ITEM(neighbours, a);
        if (!PyList_Check(near)) {
            PyErr_SetString(PyExc_TypeError, "pieces: neighbours holds lists");
            goto done;
        }
        edges += PyList_GET_SIZE(near);
    }
    Link *anchors = PyMem_Malloc(sizeof(Link) * ((size_t)edges + 1));
    if (!in_core || !seen || !comp || !stack || !touched || !anchors) {
        PyMem_Free(anchors);
        PyErr_NoMemory();
        goto done;
    }
    {
        /* (the core's atoms listed in `comp` first: it is free until the groups are searched) */
        Py_ssize_t n_core = PySet_GET_SIZE(core) <= n ? set_atoms(core, n, comp, "pieces") : -1;
        if (n_core < 0) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "pieces: core atom out of range");
            PyMem_Free(anchors);
            goto done;
        }
        for (Py_ssize_t k = 0; k < n_core; k++) in_core[comp[k]] = seen[comp[k]] = 1;
    }
    if (!(out = PyList_New(0))) {
        PyMem_Free(anchors);
        goto done;
    }
    for (Py_ssize_t start = 0; start < n; start++) {
        if (seen[start]) continue;
        int n_comp = 0, n_stack = 0, n_anchors = 0, n_touched = 0;
        seen[start] = 1;
        comp[n_comp++] = (int)start;
        stack[n_stack++] = (int)start;
        while (n_stack) {
            int a = stack[--n_stack];
            PyObject *near = PyList_GET_ITEM(neighbours, a);
            for (Py_ssize_t q = 0; q < PyList_GET_SIZE(near); q++) {
                long b = PyLong_AsLong(PyList_GET_ITEM(near, q));
                if (b < 0 || b >= n) {
                    if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "pieces: neighbour out of range");
                    Py_CLEAR(out);
                    PyMem_Free(anchors);
                    goto done;
                }
                if (in_core[b]) {
                    anchors[n_anchors++] = (Link){(int)b, a}; /* (outside atom, piece atom) */
                } else if (!seen[b]) {
                    seen[b] = 1;
                    comp[n_comp++] = (int)b;
                    stack[n_stack++] = (int)b;
                }
            }
        }
        if (n_anchors > 1) { /* stable insertion sort by piece atom, then the core atoms touched, ascending */
            for (int k = 1; k < n_anchors; k++) {
                Link x = anchors[k];
                int m = k - 1;
                while (m >= 0 && anchors[m].bond > x.bond) {
                    anchors[m + 1] = anchors[m];
                    m--;
                }
                anchors[m + 1] = x;
            }
            for (int k = 0; k < n_anchors; k++) {
                int o = anchors[k].atom, dup = 0;
                for (int m = 0; m < n_touched; m++) dup |= touched[m] == o;
                if (!dup) touched[n_touched++] = o;
            }
            qsort(touched, (size_t)n_touched, sizeof(int), cmp_int);
        } else if (n_anchors == 1) {
            touched[n_touched++] = anchors[0].atom;
        }
        PyObject *atoms = PyFrozenSet_New(NULL), *anchor_t = PyTuple_New(n_anchors), *touched_l = PyList_New(n_touched);
        PyObject *entry = NULL;
        int failed = !atoms || !anchor_t || !touched_l;
        for (int k = 0; !failed && k < n_comp; k++) {
            PyObject *v = PyLong_FromLong(comp[k]);
            failed = !v || PySet_Add(atoms, v) < 0;
            Py_XDECREF(v);
        }
        for (int k = 0; !failed && k < n_anchors; k++) {
            PyObject *t = pair(anchors[k].atom, anchors[k].bond);
            if (!t) failed = 1;
            else PyTuple_SET_ITEM(anchor_t, k, t);
        }
        for (int k = 0; !failed && k < n_touched; k++) {
            PyObject *v = PyLong_FromLong(touched[k]);
            if (!v) failed = 1;
            else PyList_SET_ITEM(touched_l, k, v);
        }
        if (!failed) {
            entry = PyTuple_Pack(3, atoms, anchor_t, touched_l);
            failed = !entry || PyList_Append(out, entry) < 0;
        }
        Py_XDECREF(atoms);
        Py_XDECREF(anchor_t);
        Py_XDECREF(touched_l);
        Py_XDECREF(entry);
        if (failed) {
            Py_CLEAR(out);
            break;
        }
    }
    PyMem_Free(anchors);
done:
    PyMem_Free(in_core);
    PyMem_Free(seen);
    PyMem_Free(comp);
    PyMem_Free(stack);
    PyMem_Free(touched);
    return out;
}

static PyMethodDef methods[] = {
    {"read", molview_read, METH_VARARGS,
     "read(binary, bond_types) -> (numbers, aromatic, hydrogens, charges or None, labelled atoms, neighbours, "
     "rings, atom contexts, bond codes, atom kinds), or None when the binary form is not one this reader "
     "understands."},
    {"context_key", molview_context_key, METH_VARARGS,
     "context_key(atoms, anchors, atom_context, neighbours, bond_code, atom_rings) -> the key of "
     "legal.pieces.context_key."},
    {"pieces", molview_pieces, METH_VARARGS,
     "pieces(neighbours, core) -> [(atoms, anchors, touched core atoms), ...]: the groups outside a core."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_molview",
                                    "The engine's per-molecule view read from RDKit's binary form.", -1, methods};

PyMODINIT_FUNC PyInit__molview(void) { return PyModule_Create(&module); }
