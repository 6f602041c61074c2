namespace EdgeBci.Training.Baseline;

/// <summary>
/// Eigenvalues and orthonormal eigenvectors of a real symmetric matrix, <c>A = V Λ Vᵀ</c>.
/// <para>
/// <see cref="Values"/> are in ascending order; <see cref="Vectors"/> is row-major <c>Size × Size</c> and its column
/// <c>k</c> (elements <c>Vectors[i * Size + k]</c>) is the unit eigenvector of <c>Values[k]</c>.
/// </para>
/// </summary>
internal sealed record EigenDecomposition(double[] Values, double[] Vectors, int Size)
{
    /// <summary>Element <paramref name="row"/> of the eigenvector of <c>Values[column]</c>.</summary>
    public double Vector(int row, int column) => Vectors[(row * Size) + column];
}

/// <summary>
/// Cyclic Jacobi eigen-solver for the small symmetric matrices of CSP and LDA (channels or features, tens at most).
/// <para>
/// Jacobi is chosen over QR iteration because it is short enough to verify by eye, it is accurate to full relative
/// precision for the small eigenvalues that whitening divides by, it returns eigenvectors that are orthonormal to
/// rounding, and it is deterministic: the same matrix always produces the same bits, so a trained model is
/// reproducible. Its O(n³) cost per sweep is irrelevant at n ≤ 64.
/// </para>
/// <para>
/// Each rotation is Golub and Van Loan's <c>sym.schur2</c> (Matrix Computations, algorithm 8.5.1): it zeroes one
/// off-diagonal pair exactly, choosing the smaller rotation angle so the diagonal moves as little as possible.
/// Sweeps repeat over all pairs until the off-diagonal Frobenius norm is negligible next to the whole matrix;
/// convergence is quadratic, so 6–10 sweeps suffice in practice.
/// </para>
/// </summary>
internal static class SymmetricEigen
{
    // Off-diagonal norm below this fraction of the matrix norm counts as diagonal: a little above double rounding,
    // so a sweep that can no longer improve anything stops the loop.
    private const double RelativeTolerance = 1e-15;

    // A converging Jacobi needs about 10 sweeps; this many means the input is not a finite symmetric matrix.
    private const int MaxSweeps = 100;

    /// <param name="matrix">Row-major <paramref name="size"/> × <paramref name="size"/>, symmetric (only exactly
    /// symmetric up to rounding: differences above 1e-9 of the largest element are rejected). Not modified.</param>
    /// <param name="size">Number of rows and columns.</param>
    public static EigenDecomposition Decompose(ReadOnlySpan<double> matrix, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (matrix.Length != size * size)
        {
            throw new ArgumentException($"A {size} × {size} matrix needs {size * size} elements, not {matrix.Length}.", nameof(matrix));
        }

        var largest = 0.0;
        foreach (var element in matrix)
        {
            if (!double.IsFinite(element))
            {
                throw new ArgumentException("The matrix contains NaN or infinity.", nameof(matrix));
            }

            largest = Math.Max(largest, Math.Abs(element));
        }

        for (var i = 0; i < size; i++)
        {
            for (var j = i + 1; j < size; j++)
            {
                if (Math.Abs(matrix[(i * size) + j] - matrix[(j * size) + i]) > 1e-9 * largest)
                {
                    throw new ArgumentException($"The matrix is not symmetric at ({i}, {j}).", nameof(matrix));
                }
            }
        }

        var a = matrix.ToArray();
        var v = new double[size * size];
        for (var i = 0; i < size; i++)
        {
            v[(i * size) + i] = 1;
        }

        var frobenius = Math.Sqrt(SumOfSquares(a));
        var sweep = 0;
        while (true)
        {
            var offDiagonal = Math.Sqrt(2 * UpperOffDiagonalSumOfSquares(a, size));
            if (offDiagonal <= RelativeTolerance * frobenius)
            {
                break;
            }

            if (++sweep > MaxSweeps)
            {
                throw new InvalidOperationException($"Jacobi did not converge in {MaxSweeps} sweeps (off-diagonal norm {offDiagonal}).");
            }

            for (var p = 0; p < size - 1; p++)
            {
                for (var q = p + 1; q < size; q++)
                {
                    Rotate(a, v, size, p, q);
                }
            }
        }

        return SortedAscending(a, v, size);
    }

    /// <summary>Applies <c>A ← Jᵀ A J</c> and <c>V ← V J</c> with the rotation that zeroes <c>A[p, q]</c>.</summary>
    private static void Rotate(double[] a, double[] v, int n, int p, int q)
    {
        var apq = a[(p * n) + q];
        if (apq == 0)
        {
            return;
        }

        var app = a[(p * n) + p];
        var aqq = a[(q * n) + q];
        var tau = (aqq - app) / (2 * apq);

        // The smaller root of t² + 2τt − 1 = 0, written so it never cancels; for huge τ, t ≈ 1 / (2τ).
        var t = double.IsInfinity(tau * tau)
            ? 1 / (2 * tau)
            : (tau >= 0 ? 1 : -1) / (Math.Abs(tau) + Math.Sqrt(1 + (tau * tau)));
        var c = 1 / Math.Sqrt(1 + (t * t));
        var s = t * c;

        for (var k = 0; k < n; k++)
        {
            var akp = a[(k * n) + p];
            var akq = a[(k * n) + q];
            a[(k * n) + p] = (c * akp) - (s * akq);
            a[(k * n) + q] = (s * akp) + (c * akq);
        }

        for (var k = 0; k < n; k++)
        {
            var apk = a[(p * n) + k];
            var aqk = a[(q * n) + k];
            a[(p * n) + k] = (c * apk) - (s * aqk);
            a[(q * n) + k] = (s * apk) + (c * aqk);
        }

        // The rotation was chosen to make these zero; store the exact zero rather than the rounding residue.
        a[(p * n) + q] = 0;
        a[(q * n) + p] = 0;

        for (var k = 0; k < n; k++)
        {
            var vkp = v[(k * n) + p];
            var vkq = v[(k * n) + q];
            v[(k * n) + p] = (c * vkp) - (s * vkq);
            v[(k * n) + q] = (s * vkp) + (c * vkq);
        }
    }

    private static EigenDecomposition SortedAscending(double[] a, double[] v, int n)
    {
        var order = new int[n];
        var diagonal = new double[n];
        for (var i = 0; i < n; i++)
        {
            order[i] = i;
            diagonal[i] = a[(i * n) + i];
        }

        // Stable insertion sort: n is small, and equal eigenvalues keep their order so results stay reproducible.
        for (var i = 1; i < n; i++)
        {
            var index = order[i];
            var j = i - 1;
            while (j >= 0 && diagonal[order[j]] > diagonal[index])
            {
                order[j + 1] = order[j];
                j--;
            }

            order[j + 1] = index;
        }

        var values = new double[n];
        var vectors = new double[n * n];
        for (var k = 0; k < n; k++)
        {
            values[k] = diagonal[order[k]];
            for (var i = 0; i < n; i++)
            {
                vectors[(i * n) + k] = v[(i * n) + order[k]];
            }
        }

        return new EigenDecomposition(values, vectors, n);
    }

    private static double SumOfSquares(double[] values)
    {
        var sum = 0.0;
        foreach (var value in values)
        {
            sum += value * value;
        }

        return sum;
    }

    private static double UpperOffDiagonalSumOfSquares(double[] a, int n)
    {
        var sum = 0.0;
        for (var i = 0; i < n - 1; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var element = a[(i * n) + j];
                sum += element * element;
            }
        }

        return sum;
    }
}
