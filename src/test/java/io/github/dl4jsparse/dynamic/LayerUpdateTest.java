package io.github.dl4jsparse.dynamic;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class LayerUpdateTest {

    @Test
    void aRewiredLayerReadsItsCounts() {
        assertEquals("fc1: -34/+34 of 200 active (drop fraction 0.1700), explored 0.0234",
                new LayerUpdate("fc1", 200, 34, 34, 0.17, 234, 10_000).toString());
    }

    @Test
    void aDenseLayerSaysItHasNothingToRewire() {
        // what ERK gives a small first layer: every connection active, the drop fraction irrelevant
        assertEquals("layer0: dense (all 500 connections active), nothing to rewire",
                new LayerUpdate("layer0", 500, 0, 0, 0.2859, 500, 500).toString());
    }

    @Test
    void aDropFractionThatRoundsToNoConnectionSaysSo() {
        assertEquals("fc3: -0/+0 of 3 active (drop fraction 0.2000: rounds to no connection), explored 0.0300",
                new LayerUpdate("fc3", 3, 0, 0, 0.2, 3, 100).toString());
    }
}
