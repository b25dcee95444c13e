namespace AQD.Edge.Kernels.Tests.IntegerOnly.Samples;

// Integer-only code with a switch, a lambda and a closure: the scanner must report nothing here.
internal static class IntegerSample
{
    internal static int Mix(int selector, int[] values)
    {
        switch (selector)
        {
            case 0: selector += 7; break;
            case 1: selector -= 3; break;
            case 2: selector *= 5; break;
            case 3: selector ^= 9; break;
        }
        Func<int, int> add = x => x + selector;
        return values.Select(add).Sum() + (int)(((long)selector * 3) >> 1);
    }
}
