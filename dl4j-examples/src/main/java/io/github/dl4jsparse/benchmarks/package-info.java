/** JMH benchmarks; run them with {@code mvn -f dl4j-examples/pom.xml compile exec:exec@bench}. */
package io.github.dl4jsparse.benchmarks;
