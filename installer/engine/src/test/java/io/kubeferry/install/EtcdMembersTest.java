package io.kubeferry.install;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The initial cluster a learner starts with, made from etcd's member add answer as etcdctl makes it. */
class EtcdMembersTest {
    @Test
    void theNewMemberIsNamedAndEveryStartedMemberListedWithEachPeerUrl() {
        List<EtcdMembers.Member> members = List.of(
                new EtcdMembers.Member("10501334649042878790", "cp1", List.of("https://10.0.0.11:2380"),
                        List.of("https://10.0.0.11:2379"), false),
                new EtcdMembers.Member("2", "cp2", List.of("https://10.0.0.12:2380", "https://[fd00::12]:2380"),
                        List.of(), false),
                new EtcdMembers.Member("18446744073709551615", "", List.of("https://10.0.0.13:2380"), List.of(), true));
        assertEquals("cp1=https://10.0.0.11:2380,cp2=https://10.0.0.12:2380,cp2=https://[fd00::12]:2380,"
                + "cp3=https://10.0.0.13:2380", EtcdMembers.initialCluster(members, "18446744073709551615", "cp3"));
        assertEquals(members.get(1), EtcdMembers.byPeerUrl(members, "https://[fd00::12]:2380").orElseThrow());
        assertTrue(EtcdMembers.byPeerUrl(members, "https://10.0.0.14:2380").isEmpty());
    }

    @Test
    void anotherMemberNotStartedYetStaysInNamelessAsEtcdctlWritesIt() {
        List<EtcdMembers.Member> members = List.of(
                new EtcdMembers.Member("1", "cp1", List.of("https://10.0.0.11:2380"), List.of(), false),
                new EtcdMembers.Member("7", "", List.of("https://10.0.0.19:2380"), List.of(), false),
                new EtcdMembers.Member("3", "", List.of("https://10.0.0.13:2380"), List.of(), true));
        assertEquals("cp1=https://10.0.0.11:2380,=https://10.0.0.19:2380,cp3=https://10.0.0.13:2380",
                EtcdMembers.initialCluster(members, "3", "cp3"));
    }
}
