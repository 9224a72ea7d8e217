package io.github.dl4jsparse.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every Java snippet of README.md and docs/ compiles with its own imports ({@link DocSnippets}). */
class DocSnippetsTest {

    private static List<DocSnippets.Snippet> librarySnippets() throws IOException {
        return DocSnippets.snippets(DocSnippets.documents(Path.of("")), null);
    }

    @Test
    void theDocsHaveSnippets() throws IOException {
        assertTrue(librarySnippets().size() >= 8, "found " + librarySnippets().size() + " java snippets");
    }

    @TestFactory
    Stream<DynamicTest> everySnippetCompilesWithItsOwnImports() throws IOException {
        return librarySnippets().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> DocSnippets.compile(s)));
    }
}
