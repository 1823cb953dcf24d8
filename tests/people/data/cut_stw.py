"""Cut the 'V Economics' subject category of STW 9.16 (with the deprecated descriptors replaced by one of its
concepts) out of the full stw.ttl; links to concepts outside the cut are dropped."""
import sys
from rdflib import OWL, RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, SKOS

source, target = sys.argv[1], sys.argv[2]
full = Graph().parse(source, format="turtle")
scheme, top = URIRef("http://zbw.eu/stw"), URIRef("http://zbw.eu/stw/thsys/v")
keep, todo = {top}, [top]
while todo:
    concept = todo.pop()
    for child in {*full.subjects(SKOS.broader, concept), *full.objects(concept, SKOS.narrower)}:
        if child not in keep:
            keep.add(child)
            todo.append(child)
keep |= {s for s, o in full.subject_objects(DCTERMS.isReplacedBy) if o in keep}
kept = {SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel, SKOS.definition, SKOS.scopeNote, SKOS.notation,
        SKOS.inScheme, SKOS.topConceptOf, SKOS.broader, SKOS.narrower, SKOS.related, RDF.type, RDFS.label,
        OWL.deprecated, DCTERMS.isReplacedBy}
cut = Graph()
for prefix, namespace in full.namespaces():
    cut.bind(prefix, namespace)
for subject in keep:
    for predicate, value in full.predicate_objects(subject):
        if predicate in kept and (not isinstance(value, URIRef) or value in keep or value == scheme
                                  or predicate == RDF.type):
            cut.add((subject, predicate, value))
for predicate, value in full.predicate_objects(scheme):
    if predicate != SKOS.hasTopConcept or value in keep:
        cut.add((scheme, predicate, value))
cut.serialize(target, format="turtle", base="http://zbw.eu/stw/")
print(len(keep), "concepts,", len(cut), "triples")
