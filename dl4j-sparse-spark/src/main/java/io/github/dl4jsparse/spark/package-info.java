/**
 * dl4j-sparse on Apache Spark: {@link io.github.dl4jsparse.spark.SparkPruneRegrow} prunes and regrows a
 * {@code SparkDl4jMultiLayer}'s sparse layers on the driver between stretches of parameter-averaged training.
 */
package io.github.dl4jsparse.spark;
