package io.github.dl4jsparse.spark;

import io.github.dl4jsparse.docs.DocSnippets;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The docs' snippets that need this module compile against its dependencies (see the library's DocSnippets). */
class SparkDocSnippetsTest {

    @TestFactory
    Stream<DynamicTest> theSparkSnippetsCompileWithTheirOwnImports() throws IOException {
        List<DocSnippets.Snippet> snippets = DocSnippets.snippets(DocSnippets.documents(Path.of("..")), "dl4j-sparse-spark");
        assertTrue(!snippets.isEmpty(), "no snippet is marked for dl4j-sparse-spark");
        return snippets.stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> DocSnippets.compile(s)));
    }
}
