package io.github.dl4jsparse.kernels;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled {@code product-route.properties} gives the crossover the code held before it moved there (the same
 * decision at every density and minibatch size tried), and a bounds file that is not one is refused naming the key.
 */
class RouteBoundsTest {

    /** The crossover as ProductRoute encoded it before the bounds moved to the resource. */
    private static boolean linearBefore(double density, int batch, boolean training, boolean vectorised) {
        int row = batch <= 5 ? 0 : batch <= 90 ? 1 : batch <= 724 ? 2 : 3;
        double[][] b = vectorised ? new double[][]{{0.3, 0.25, 0.25, 0.25}, {0.3, 0.35, 0.3, 0.15}}
                : new double[][]{{0.25, 0.07, 0.03, 0.03}, {0.25, 0.08, 0.06, 0.03}};
        return density <= b[training ? 0 : 1][row];
    }

    private static boolean convBefore(double density, int batch, boolean training, boolean vectorised) {
        int row = batch <= 5 ? 0 : batch <= 64 ? 1 : batch <= 256 ? 2 : 3;
        double[][] b = vectorised ? new double[][]{{0.25, 0.5, 0.5, 0.5}, {0.25, 0.5, 0.5, 0.5}}
                : new double[][]{{0.2, 0.5, 0.5, 0.5}, {0.5, 0.5, 0.5, 0.5}};
        return density <= b[training ? 0 : 1][row];
    }

    @Test
    void theBundledBoundsDecideAsTheCodeDidBefore() {
        double[] densities = {0.001, 0.02, 0.03, 0.05, 0.06, 0.07, 0.08, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5, 0.9};
        int checked = 0;
        for (int batch = 1; batch <= 3000; batch += batch < 100 ? 1 : 7) {
            for (double d : densities) {
                for (boolean training : new boolean[]{true, false}) {
                    for (boolean vector : new boolean[]{true, false}) {
                        assertEquals(linearBefore(d, batch, training, vector),
                                ProductRoute.kernelsPay(d, batch, training, vector),
                                "linear, density " + d + ", batch " + batch);
                        assertEquals(convBefore(d, batch, training, vector),
                                ProductRoute.convolutionKernelsPay(d, batch, training, vector),
                                "conv, density " + d + ", batch " + batch);
                        checked++;
                    }
                }
            }
        }
        assertTrue(checked > 10_000);
    }

    @Test
    void aBoundsFileThatIsNotOneIsRefusedNamingTheKey() {
        Properties p = new Properties();
        p.setProperty("linear.batches", "1,32");
        p.setProperty("linear.vector.training", "0.3,0.2");
        p.setProperty("linear.vector.inference", "0.3,1.5");
        p.setProperty("linear.plain.training", "0.3,0.2");
        p.setProperty("linear.plain.inference", "0.3,0.2");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RouteBounds.of(p, "linear"));
        assertTrue(e.getMessage().contains("linear.vector.inference") && e.getMessage().contains("1.5"), e.getMessage());
        p.setProperty("linear.vector.inference", "0.3,0.2");
        p.setProperty("linear.batches", "32,1");
        assertThrows(IllegalArgumentException.class, () -> RouteBounds.of(p, "linear"));
        p.remove("linear.batches");
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> RouteBounds.of(p, "linear"));
        assertTrue(missing.getMessage().contains("linear.batches is missing"), missing.getMessage());
    }
}
