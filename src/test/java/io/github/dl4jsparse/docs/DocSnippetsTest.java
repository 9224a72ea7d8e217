package io.github.dl4jsparse.docs;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.nio.file.Files;
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

    /**
     * The README's setup is the quick start's: every line of its {@code ```xml} block is in quickstart/pom.xml, in the
     * same order, and its {@code .mvn/maven.config} line is the quick start's file (CI builds the quick start outside
     * the repository, so the setup is tested as written).
     */
    @Test
    void theReadmesSetupIsTheQuickStartsSetup() throws IOException {
        String readme = Files.readString(Path.of("README.md"));
        int at = readme.indexOf("## Use it in your project");
        int xml = readme.indexOf("```xml", at);
        String block = readme.substring(readme.indexOf('\n', xml) + 1, readme.indexOf("```", xml + 6));
        List<String> pom = Files.readAllLines(Path.of("quickstart", "pom.xml")).stream().map(String::trim).toList();
        int from = 0;
        for (String line : block.lines().map(String::trim).filter(l -> !l.isEmpty()).toList()) {
            int found = pom.subList(from, pom.size()).indexOf(line);
            assertTrue(found >= 0, "README setup line not in quickstart/pom.xml (after line " + from + "): " + line);
            from += found + 1;
        }
        String config = Files.readString(Path.of("quickstart", ".mvn", "maven.config")).trim();
        assertTrue(readme.contains("echo '" + config + "' > .mvn/maven.config"), "the README's maven.config is " + config);
    }
}
